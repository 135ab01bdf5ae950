"""crm HTTP function: `/api/crm/...` (health and schema until its issue lands)."""

from mangum import Mangum

from shared.web import create_app

app = create_app("crm", description="Contacts, companies, deals and tasks")
handler = Mangum(app, lifespan="off")
