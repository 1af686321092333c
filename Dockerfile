# One image for all four services; compose picks the service with SERVICE (order, stock, notification, analytics).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step: the first stage only
# installs production dependencies, the second copies them with the sources and runs as a non-root user.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/platform/package.json packages/platform/
COPY packages/broker/package.json packages/broker/
COPY packages/cli/package.json packages/cli/
COPY packages/console/package.json packages/console/
COPY services/order-service/package.json services/order-service/
COPY services/stock-service/package.json services/stock-service/
COPY services/notification-service/package.json services/notification-service/
COPY services/analytics-service/package.json services/analytics-service/
# The image already has Node 24, so skip the dev-only `node` package along with the other dev dependencies.
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY packages ./packages
COPY services ./services
RUN rm -rf packages/*/test services/*/test && mkdir -p /data && chown node:node /data
USER node
ENV ORDERFLOW_DATA_DIR=/data SERVICE=order
EXPOSE 8081 8082 8083 8084
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=10 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node services/${SERVICE}-service/src/main.ts"]
