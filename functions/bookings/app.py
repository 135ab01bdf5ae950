"""Bookings public HTTP function: `/api/bookings/...` (services, slots,
booking, and the client's manage link). Staff routes are a separate
function (admin_app.py), so clients' cold starts do not pay for them."""

from mangum import Mangum

from functions.bookings.routes import public
from shared.ratelimit import rate_limits
from shared.web import create_app

rate_limits()  # a bad RATE_LIMIT_* value is a start-up error, not a failure mid-request

app = create_app(
    "bookings",
    [public],
    description="Services, free slots, booking, and the client's manage link",
)
handler = Mangum(app, lifespan="off")
