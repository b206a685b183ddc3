"""Django admin for reviews, unlocks and questions (imported by experiments/admin.py)."""
