# syntax=docker/dockerfile:1
# promptreg server image: multi-stage, runs as the unprivileged `node` user, talks to the MongoDB
# given in MONGODB_URI (the embedded FerretDB is for local use and is not part of the image).

FROM node:24.21-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.9
# Manifests first, so dependency layers are cached across source changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml turbo.json tsconfig.base.json .npmrc ./
COPY apps ./apps
COPY packages ./packages
RUN pnpm install --frozen-lockfile
RUN pnpm turbo run build --filter=@promptreg/server... --filter=@promptreg/dashboard... \
 && pnpm --filter @promptreg/server deploy --prod --legacy /out \
 && if [ -d apps/dashboard/dist ]; then cp -r apps/dashboard/dist /out/dashboard; fi

FROM node:24.21-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787 \
    PROMPTREG_DATA_DIR=/tmp/promptreg \
    PROMPTREG_DASHBOARD_DIR=/app/dashboard \
    PROMPTREG_TRUST_PROXY=true
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
