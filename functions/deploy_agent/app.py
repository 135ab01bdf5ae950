"""deploy_agent HTTP function: `/api/deploy_agent/...` (health and schema until its issue lands)."""

from mangum import Mangum

from shared.web import create_app

app = create_app("deploy_agent", description="The web-development agent that deploys mini-stores")
handler = Mangum(app, lifespan="off")
