"""Request and response bodies of the bookings HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

BookingStatus = Literal["pending_payment", "confirmed", "completed", "cancelled", "no_show"]
BOOKING_STATUSES: tuple[BookingStatus, ...] = (
    "pending_payment",
    "confirmed",
    "completed",
    "cancelled",
    "no_show",
)


class Money(BaseModel):
    amount: int = Field(ge=0, description="integer minor units (cents; yen have none)")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")


class ServiceOut(BaseModel):
    id: str
    name: str
    description: str
    duration_minutes: int
    price: Money


class Customer(BaseModel):
    name: str
    email: str
    phone: str | None = None


class BookingOut(BaseModel):
    id: str
    service_id: str
    staff_id: str
    status: BookingStatus
    start: datetime
    end: datetime
    customer: Customer


class BookingPage(BaseModel):
    items: list[BookingOut]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")
