"""Bookings HTTP function: `/api/bookings/...`."""

from mangum import Mangum

from functions.bookings.admin_routes import admin
from functions.bookings.routes import public
from shared.web import create_app

# Staff routes first: their fixed paths must win over the public /{booking_id}.
app = create_app(
    "bookings",
    [admin, public],
    description="Services, free slots, booking, the client's manage link, and staff admin",
)
handler = Mangum(app, lifespan="off")
