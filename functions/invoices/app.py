"""invoices HTTP function: `/api/invoices/...` (health and schema until its issue lands)."""

from mangum import Mangum

from shared.web import create_app

app = create_app("invoices", description="Invoices and payments")
handler = Mangum(app, lifespan="off")
