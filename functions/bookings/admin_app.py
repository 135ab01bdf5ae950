"""Bookings staff HTTP function: `/api/bookings/admin/...` (services, staff
and hours, every booking). Every route needs a staff Firebase ID token."""

from mangum import Mangum

from functions.bookings.admin_routes import admin
from shared.web import create_app

app = create_app(
    "bookings",
    [admin],
    prefix="/api/bookings/admin",
    title="MilliIntell bookings (staff)",
    description="Services, staff members and hours, and bookings, for signed-in staff",
)
handler = Mangum(app, lifespan="off")
