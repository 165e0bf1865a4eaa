# babelfish: the server with the shipped default models.
# CPU image (WASM backend). For GPUs build with --build-arg TFJS_NODE=@tensorflow/tfjs-node-gpu
# on a CUDA base image; the backend selector then picks tfjs-node-gpu at start-up.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=optional --no-audit --no-fund

FROM node:20-bookworm-slim
ARG TFJS_NODE=""
ENV NODE_ENV=production BABELFISH_BACKEND="" PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY models ./models
COPY server ./server
COPY client ./client
# Native tfjs (optional): downloads libtensorflow at install, so it needs network at build time.
RUN if [ -n "$TFJS_NODE" ]; then npm install --no-save "$TFJS_NODE@4.22.0"; fi \
 && npx tsx client/build.ts \
 && node bin/babelfish.js info
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/babelfish.js", "serve", "--host", "0.0.0.0", "--port", "8080"]
