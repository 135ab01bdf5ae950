"""Bookings public HTTP function: `/api/bookings/...` (services, slots,
booking, and the client's manage link). Staff routes are a separate
function (admin_app.py), so clients' cold starts do not pay for them."""

from mangum import Mangum

from functions.bookings.routes import public
from shared.web import create_app

app = create_app(
    "bookings",
    [public],
    description="Services, free slots, booking, and the client's manage link",
)
handler = Mangum(app, lifespan="off")
