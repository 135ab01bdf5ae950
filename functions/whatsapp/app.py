"""WhatsApp HTTP function: `/api/whatsapp/...`."""

from mangum import Mangum

from functions.whatsapp.admin_routes import inbox
from functions.whatsapp.meta_webhooks import router as meta_webhooks
from functions.whatsapp.routes import router
from functions.whatsapp.webhooks import router as webhooks
from shared.config import get_settings
from shared.ratelimit import rate_limits
from shared.web import create_app

# In prod, a missing credential of the chosen provider (WHATSAPP_PROVIDER) is a
# start-up error: the inbox sends replies and the webhooks check signatures.
get_settings().require("whatsapp", "whatsapp_webhooks")
rate_limits()  # so do bad RATE_LIMIT_* values, and no NETLIFY_PROXY_SECRET in prod

# Meta batches up to 1000 updates in one signed post; everything else here
# (forms, Twilio's posts) fits shared.web's default 64 KiB.
META_WEBHOOK_MAX_BYTES = 1024 * 1024

app = create_app(
    "whatsapp",
    [inbox, router, webhooks, meta_webhooks],
    description="WhatsApp opt-in, public configuration, Twilio and Meta webhooks, the staff inbox",
    body_limits={"/api/whatsapp/meta/": META_WEBHOOK_MAX_BYTES},
)
handler = Mangum(app, lifespan="off")
