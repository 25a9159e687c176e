# The project's own image: mock-idp and mock-models for compose.yaml, and mock-core too for compose.lite.yaml
# (each service picks its main.ts).
# TypeScript runs through tsx, as `npm start` does; no build step. Each main loads its own folder and
# common/ only (test/compose-static.test.ts checks these COPY lines against their imports).
FROM node:20.20.2-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only; --ignore-scripts skips `prepare` (the dist/ build is for library users).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

COPY common ./common
COPY mock-idp ./mock-idp
COPY mock-core ./mock-core
COPY mock-models ./mock-models
COPY environments ./environments

# Inside a container the services listen on every interface; compose publishes them on 127.0.0.1 only.
ENV SANDBOX_HOST=0.0.0.0 \
    SANDBOX_ENV=/app/environments/auth0-tutorial \
    SANDBOX_STATE_DIR=/sandbox
EXPOSE 4000 443 7001 8080
CMD ["node", "--import", "tsx", "mock-idp/main.ts"]
