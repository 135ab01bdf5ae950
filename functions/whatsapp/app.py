"""WhatsApp HTTP function: `/api/whatsapp/...`."""

from mangum import Mangum

from functions.whatsapp.admin_routes import inbox
from functions.whatsapp.routes import router
from functions.whatsapp.webhooks import router as webhooks
from shared.web import create_app

app = create_app(
    "whatsapp",
    [inbox, router, webhooks],
    description="WhatsApp opt-in, public configuration, Twilio webhooks and the staff inbox",
)
handler = Mangum(app, lifespan="off")
