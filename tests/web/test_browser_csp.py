"""The content security policy in a real browser: no page, the admin and the API docs included, has
anything blocked (an inline script, a style element, an image or a request to another origin)."""

import datetime as dt

import pytest

from tests.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Recorded by the page itself: the browser fires this event for every blocked load or inline run.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


def test_no_page_breaks_the_content_security_policy(page, live_server, admin_user, running_experiment):
    from metrics.services import leads_upsert

    day = dt.datetime.combine(running_experiment.start_date, dt.time(12)).isoformat() + "+03:00"
    leads_upsert(rows=[{"external_id": "csp-1", "created_at": day, "utm_campaign": running_experiment.utm_campaign}])
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, live_server, "admin")

    pages = {
        "/": None,
        f"/experiments/{running_experiment.pk}/": "#chart-daily",
        "/experiments/": None,
        "/scoreboard/": None,
        "/imports/": None,
        "/meetings/": None,
        "/goals/": None,
        "/regulation/": None,
        "/admin/": None,
        "/admin/experiments/experiment/": None,
        f"/admin/experiments/experiment/{running_experiment.pk}/change/": None,
        "/api/v1/docs/": ".swagger-ui .info",
        "/api/v1/redoc/": "redoc, [role=navigation], .menu-content",
    }
    violations = {}
    for path, ready in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if ready:
            page.wait_for_selector(ready, timeout=30_000)
        # ReDoc's footer logo is on ReDoc's own site: blocked on purpose, no request leaves for it.
        found = [v for v in page.evaluate("() => window.__csp") if "https://cdn.redoc.ly/" not in v]
        if found:
            violations[path] = found
    assert violations == {}
    blocked = [text for text in console if "Content Security Policy" in text and "cdn.redoc.ly" not in text]
    assert blocked == []
