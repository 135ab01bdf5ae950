#!/usr/bin/env bash
# Writes site/dist/site-config.json, the staff app's run-time Firebase web
# config, from Netlify site variables. (Locally the stack serves it with its
# Auth emulator.) These values are public by design: Firebase web API keys
# identify the project; access is decided by ID tokens and the API's roles.
set -euo pipefail
dist=${1:-site/dist}
if [ -n "${FIREBASE_PROJECT_ID:-}" ]; then
  : "${FIREBASE_WEB_API_KEY:?FIREBASE_WEB_API_KEY is required with FIREBASE_PROJECT_ID}"
  auth_domain=${FIREBASE_AUTH_DOMAIN:-$FIREBASE_PROJECT_ID.firebaseapp.com}
  printf '{"stage":"%s","firebase":{"apiKey":"%s","authDomain":"%s","projectId":"%s"},"authEmulator":null}\n' \
    "${MILLI_STAGE:-prod}" "$FIREBASE_WEB_API_KEY" "$auth_domain" "$FIREBASE_PROJECT_ID" > "$dist/site-config.json"
elif [ -n "${NETLIFY:-}" ]; then
  echo "FIREBASE_PROJECT_ID is not set in the Netlify site's environment: staff could not sign in" >&2
  exit 1
fi
