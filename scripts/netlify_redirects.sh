#!/usr/bin/env bash
# Writes site/dist/_redirects so Netlify proxies /api/* to the API Gateway URL.
# netlify.toml cannot read environment variables, and _redirects rules run
# before netlify.toml's SPA fallback. API_URL is a Netlify site variable (the
# ApiUrl output of the SAM stack).
#
# Sign=API_SIGNATURE_TOKEN makes it a signed proxy: Netlify adds an X-Nf-Sign
# JWS (HS256, signed with the value of the site variable API_SIGNATURE_TOKEN)
# to every proxied request, and the functions believe the visitor address in
# x-nf-client-connection-ip only when that signature checks out with their
# NETLIFY_PROXY_SECRET (shared/client_address.py). `Sign=` is the _redirects
# spelling of netlify.toml's `signed = "..."` (Netlify's redirect parser reads
# both); the value is the variable's *name*, never the secret.
set -euo pipefail
dist=${1:-site/dist}
if [ -n "${API_URL:-}" ]; then
  api=${API_URL%/}
  case "$api" in https://*) ;; *) echo "API_URL must be an https:// URL" >&2; exit 1;; esac
  printf '/api/*  %s/api/:splat  200  Sign=API_SIGNATURE_TOKEN\n' "$api" > "$dist/_redirects"
elif [ -n "${NETLIFY:-}" ]; then
  echo "API_URL is not set in the Netlify site's environment: /api/* would not reach the functions" >&2
  exit 1
fi
