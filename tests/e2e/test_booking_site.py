"""The public site on a phone-sized viewport: a visitor books end to end, a
second visitor no longer sees the slot, a slot taken meanwhile is explained,
and the visitor reschedules and cancels through the manage link."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from devstack.launch import LaunchedStack
from tests.e2e.conftest import Browsing


def open_slots(browsing: Browsing, page: Page, service: str = "Consultation") -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Services")).to_be_visible()
    browsing.shot(page, "landing")
    page.get_by_role("link", name=f"Book {service}").click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    expect(page.locator("button[data-start]").first).to_be_visible()
    browsing.shot(page, "slots")


def pick_first_slot(page: Page) -> str:
    slot = page.locator("button[data-start]").first
    start = slot.get_attribute("data-start")
    assert start
    slot.click()
    return start


def fill_details(page: Page, name: str, email: str, phone: str) -> None:
    expect(page.get_by_role("heading", name="Your details")).to_be_visible()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mobile phone").fill(phone)


def show_day(page: Page, start: str) -> None:
    """Select the slot's day in the month calendar (if it still has free times).

    Day buttons are drawn disabled while the month's slots load; a day's
    times appear only once they have, so wait for those before asking.
    """
    expect(page.locator("button[data-start]").first).to_be_visible()
    day = page.locator(f'button[data-day="{start[:10]}"]')
    if day.count() and day.is_enabled():
        day.click()
        expect(day).to_have_attribute("aria-pressed", "true")


def book(browsing: Browsing, page: Page, name: str, email: str) -> tuple[str, str]:
    """Books the first free slot through the UI; returns (start, manage link)."""
    open_slots(browsing, page)
    start = pick_first_slot(page)
    fill_details(page, name, email, "07911 123456")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    manage = page.get_by_test_id("manage-link").get_attribute("href")
    assert manage
    return start, manage


def test_visitor_books_and_the_slot_is_gone_for_the_next(browsing: Browsing) -> None:
    page = browsing.page()
    page.goto("/")
    expect(page.get_by_role("link", name="Chat on WhatsApp")).to_have_attribute(
        "href", "https://wa.me/447700900000"
    )
    # Prices in the visitor's locale; a free service says so.
    expect(page.get_by_text(re.compile(r"^£\d+\.\d\d$"))).to_be_visible()
    expect(page.get_by_text("Free", exact=True)).to_be_visible()
    open_slots(browsing, page)

    # Times follow the chosen zone, with its offset.
    zone = page.get_by_label("Times shown in")
    expect(zone).to_have_value("Europe/London")
    zone.focus()
    zone.select_option("America/New_York")
    expect(page.locator("button[data-start]").first).to_have_attribute(
        "data-start", re.compile(r"-05:00$")
    )
    browsing.shot(page, "new-york-times")
    zone.select_option("Europe/London")
    expect(page.locator("button[data-start]").first).to_have_attribute(
        "data-start", re.compile(r"\+00:00$")
    )
    start = pick_first_slot(page)

    # The API's field-level message appears beside its field (Chromium logs the 422).
    browsing.console.expected.append(re.compile(r"status of 422 .*/api/bookings\)$"))
    fill_details(page, "Riley Visitor", "riley@example.com", "12")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#phone-error")).to_be_visible()
    expect(page.get_by_label("Mobile phone")).to_have_attribute("aria-invalid", "true")
    browsing.shot(page, "phone-error")

    page.get_by_label("Mobile phone").fill("07911 123456")
    # Edited since the API answered: the old message goes.
    expect(page.locator("#phone-error")).to_have_count(0)
    expect(page.get_by_label("Mobile phone")).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("WhatsApp updates").check()
    expect(page.get_by_text("reply STOP at any time")).to_be_visible()
    browsing.shot(page, "details")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    expect(page.get_by_text("Confirmed.")).to_be_visible()
    booking_id = page.locator("[data-booking-id]").get_attribute("data-booking-id")
    # The calendar file is fetched with the token in a header, never in its URL.
    expect(page.get_by_role("link", name="Add to calendar (.ics)")).to_have_attribute(
        "href", f"/api/bookings/{booking_id}/ics"
    )
    expect(page.get_by_role("link", name="Add to Google Calendar")).to_have_attribute(
        "href", re.compile(r"^https://calendar\.google\.com/")
    )
    browsing.shot(page, "booked")

    other = browsing.page()
    open_slots(browsing, other)
    show_day(other, start)
    expect(other.locator("button[data-start]").first).to_be_visible()
    expect(other.locator(f'button[data-start="{start}"]')).to_have_count(0)
    browsing.shot(other, "second-visitor")


def test_a_slot_taken_meanwhile_gets_a_friendly_message_and_fresh_slots(
    browsing: Browsing, stack: LaunchedStack
) -> None:
    page = browsing.page()
    open_slots(browsing, page)
    start = pick_first_slot(page)
    fill_details(page, "Jo Slow", "jo@example.com", "07911 123457")

    # Someone else books the same time while Jo is typing.
    taken = httpx.post(
        f"{stack.url}/api/bookings",
        json={
            "service_id": "consultation",
            "start": start,
            "tz": "Europe/London",
            "customer": {"name": "Quick", "email": "quick@example.com", "phone": "+447911123458"},
        },
        timeout=15,
    )
    assert taken.status_code == 201, taken.text

    browsing.console.expected.append(re.compile(r"status of 409 .*/api/bookings\)$"))
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("alert")).to_contain_text("just booked by someone else")
    expect(page.get_by_role("heading", name="Choose a time")).to_be_visible()
    show_day(page, start)
    expect(page.locator("button[data-start]").first).to_be_visible()
    expect(page.locator(f'button[data-start="{start}"]')).to_have_count(0)
    browsing.shot(page, "slot-taken")

    # What Jo typed is still there for the fresh slot.
    pick_first_slot(page)
    expect(page.get_by_label("Your name")).to_have_value("Jo Slow")
    expect(page.get_by_label("Mobile phone")).to_have_value("07911 123457")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()


def test_visitor_reschedules_and_cancels_through_the_manage_link(browsing: Browsing) -> None:
    page = browsing.page()
    start, manage = book(browsing, page, "Morgan Manage", "morgan@example.com")

    # The token rides in the link's fragment, and the page sends it in a header
    # and takes it out of the address bar (and so out of history).
    assert re.search(r"^/manage/[^?#]+#token=[\w-]+$", manage), manage
    page.get_by_test_id("manage-link").click()
    expect(page.get_by_role("heading", name="Your booking")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/manage/[^?#]+$"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    ics = Path(download.value.path()).read_text()
    assert "BEGIN:VCALENDAR" in ics
    before = page.get_by_test_id("booking-when").inner_text()
    browsing.shot(page, "manage")

    page.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_role("heading", name="Pick a new time")).to_be_visible()
    later = page.locator("button[data-start]").first  # their own time is not offered
    new_start = later.get_attribute("data-start")
    assert new_start != start
    later.click()
    browsing.shot(page, "reschedule-confirm")
    page.get_by_role("button", name="Yes, move it").click()
    expect(page.get_by_text("your booking has moved")).to_be_visible()
    expect(page.get_by_test_id("booking-when")).not_to_have_text(before)
    browsing.shot(page, "rescheduled")

    page.get_by_role("button", name="Cancel booking").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_text("Your booking is cancelled")).to_be_visible()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Reschedule")).to_have_count(0)
    browsing.shot(page, "cancelled")

    # A reload still opens it (this tab kept the token), so does the link,
    # and so does a link of the old ?token= form, which is also tidied away.
    page.reload()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    page.goto("about:blank")
    page.goto(manage)
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/manage/[^?#]+$"))
    path, token = manage.split("#token=")
    fresh = browsing.page()
    fresh.goto(f"{path}?token={token}")
    expect(fresh.get_by_text("Cancelled", exact=True)).to_be_visible()
    expect(fresh).to_have_url(re.compile(r"/manage/[^?#]+$"))
    # A wrong token finds nothing.
    browsing.console.expected.append(re.compile(r"status of 404"))
    fresh.goto("about:blank")
    fresh.goto(f"{path}#token=wrong")
    expect(fresh.get_by_role("alert")).to_contain_text("couldn't find this booking")
