"""The staff app: a wrong login is refused; staff sign in, find a booking in
the calendar, and answer an inbound WhatsApp message from the inbox."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Page, ViewportSize, expect
from twilio.request_validator import RequestValidator

from devstack.launch import LaunchedStack
from tests.e2e.conftest import ADMIN_PASSWORD, TWILIO_AUTH_TOKEN, Browsing

DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def sign_in(page: Page, password: str = ADMIN_PASSWORD) -> None:
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Email").fill("admin@milliintell.local")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_wrong_login_is_refused(browsing: Browsing) -> None:
    # The Auth emulator answers a wrong password with a 400, which Chromium logs.
    browsing.console.expected.append(re.compile(r"status of 400"))
    page = browsing.page()
    sign_in(page, password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password don't match an account."
    )
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    browsing.shot(page, "refused")


def book_for(stack: LaunchedStack, name: str, phone: str) -> dict[str, str]:
    slots = httpx.get(
        f"{stack.url}/api/bookings/slots",
        params={
            "service_id": "consultation",
            "from": date.today().isoformat(),
            "to": (date.today() + timedelta(days=20)).isoformat(),
            "tz": "Europe/London",
        },
        timeout=15,
    ).json()["slots"]
    created = httpx.post(
        f"{stack.url}/api/bookings",
        json={
            "service_id": "consultation",
            "start": slots[0]["start"],
            "tz": "Europe/London",
            "customer": {"name": name, "email": "calendar@example.com", "phone": phone},
        },
        timeout=15,
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def weeks_ahead(start: str, zone: str = "Europe/London") -> int:
    """How many weeks (Monday first, as the calendar shows them) after this one `start` falls."""
    tz = ZoneInfo(zone)
    day = datetime.fromisoformat(start).astimezone(tz).date()
    today = datetime.now(tz).date()
    monday = today - timedelta(days=today.weekday())
    return (day - timedelta(days=day.weekday()) - monday).days // 7


def test_staff_find_a_booking_in_the_calendar(browsing: Browsing, stack: LaunchedStack) -> None:
    name = f"Casey {uuid.uuid4().hex[:6]}"
    booked = book_for(stack, name, "+447911123459")
    page = browsing.page(viewport=DESKTOP)
    sign_in(page)
    expect(page.get_by_test_id("signed-in-as")).to_contain_text("admin")
    page.get_by_role("button", name="List").click()
    # Straight to the booking's week (the first free slot may be in a later
    # one), then wait for that week's list to show it: never for a while.
    for _ in range(weeks_ahead(booked["start"])):
        page.locator(".fc-next-button").click()
    event = page.get_by_text(name)
    expect(event.first).to_be_visible()
    event.first.click()
    details = page.get_by_role("complementary", name="Booking details")
    expect(details.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_test_id("booking-status")).to_have_text("confirmed")
    browsing.shot(page, "calendar")

    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("cancelled")
    browsing.shot(page, "cancelled-by-staff")


def test_staff_answer_an_inbound_whatsapp_message(browsing: Browsing, stack: LaunchedStack) -> None:
    phone = "+447911123460"
    path = "/api/whatsapp/twilio/inbound"
    params = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "From": f"whatsapp:{phone}",
        "To": "whatsapp:+14155238886",
        "Body": "Hi! Can I bring my dog to the appointment?",
        "ProfileName": "Dana Dog",
    }
    signature = RequestValidator(TWILIO_AUTH_TOKEN).compute_signature(stack.url + path, params)
    inbound = httpx.post(
        stack.url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=15
    )
    assert inbound.status_code == 200, inbound.text

    page = browsing.page()  # on a phone: staff answer from anywhere
    sign_in(page)
    page.get_by_role("navigation", name="Staff sections").get_by_role("link", name="Inbox").click()
    page.locator(f'button[data-phone="{phone}"]').click()
    thread = page.get_by_role("list", name="Messages")
    expect(thread.get_by_text("Can I bring my dog")).to_be_visible()
    expect(page.get_by_role("list", name="Conversations")).to_be_hidden()  # one pane on a phone
    browsing.shot(page, "inbox-thread")

    page.get_by_label("Reply").fill("Of course — dogs are welcome!")
    page.get_by_role("button", name="Send").click()
    expect(thread.locator('li[data-direction="out"]')).to_contain_text("dogs are welcome")
    browsing.shot(page, "inbox-replied")

    outbox = httpx.get(f"{stack.url}/api/dev/outbox", params={"channel": "whatsapp"}, timeout=15)
    assert any(
        item.get("to") == phone or (item.get("message") or {}).get("to") == phone
        for item in outbox.json()["items"]
    ), outbox.text


def test_an_expired_session_returns_to_sign_in(browsing: Browsing) -> None:
    page = browsing.page(viewport=DESKTOP)
    sign_in(page)
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    # The API refuses the token from now on, as it does once a session is revoked.
    browsing.console.expected.append(re.compile(r"status of 401"))
    page.route(
        "**/api/bookings/admin/**",
        lambda route: route.fulfill(
            status=401,
            json={"error": {"code": "unauthorized", "message": "expired", "fields": []}},
        ),
    )
    page.reload()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your session has ended")
    browsing.shot(page, "session-ended")


def test_an_admin_edits_a_service_and_a_staff_members_hours(browsing: Browsing) -> None:
    page = browsing.page(viewport=DESKTOP)
    sign_in(page)
    page.get_by_role("link", name="Services & staff").click()
    page.get_by_role("button", name="Edit Deep clean").click()
    form = page.get_by_role("form", name="Edit Deep clean")
    form.get_by_label("Price (minor units)").fill("9900")
    browsing.shot(page, "service-editor")
    form.get_by_role("button", name="Save service").click()
    expect(page.get_by_text("2 hrs · £99.00")).to_be_visible()

    # A bad value comes back from the API beside its field.
    browsing.console.expected.append(re.compile(r"status of 422"))
    page.get_by_role("button", name="Edit Deep clean").click()
    form.get_by_label("Minutes").fill("7")
    form.get_by_role("button", name="Save service").click()
    expect(form.locator("#svc-duration-error")).to_be_visible()
    form.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Edit Alex Morgan").click()
    staff = page.get_by_role("form", name="Edit Alex Morgan")
    staff.get_by_role("button", name="Add a sun range").click()
    expect(staff.get_by_label("sun range 1 start")).to_have_value("09:00")
    staff.get_by_label("Date").fill("2030-12-24")
    staff.get_by_label("Note").fill("Christmas Eve")
    staff.get_by_role("button", name="Add override (no hours = closed)").click()
    expect(staff.get_by_text("2030-12-24: closed (Christmas Eve)")).to_be_visible()
    browsing.shot(page, "staff-editor")
    staff.get_by_role("button", name="Save staff member").click()
    expect(page.get_by_text("Europe/London · 1 date overrides")).to_be_visible()
