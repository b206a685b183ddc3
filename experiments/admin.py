from experiments import admin_reviews  # noqa: F401  (registers review, unlock and question admin)
