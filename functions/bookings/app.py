"""Bookings HTTP function: `/api/bookings/...`."""

from mangum import Mangum

from functions.bookings.routes import admin, public
from shared.web import create_app

app = create_app("bookings", [public, admin], description="Services, bookings and staff admin")
handler = Mangum(app, lifespan="off")
