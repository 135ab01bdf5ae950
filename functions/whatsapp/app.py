"""WhatsApp HTTP function: `/api/whatsapp/...`."""

from mangum import Mangum

from functions.whatsapp.routes import router
from shared.web import create_app

app = create_app("whatsapp", [router], description="WhatsApp opt-in and public configuration")
handler = Mangum(app, lifespan="off")
