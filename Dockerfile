# stagegate's worker and web server. Build: docker build -t stagegate .
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 compiles here; the image has the compiler and Node's headers.
RUN npm install --ignore-scripts
COPY . .
RUN npm rebuild better-sqlite3 && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
ENTRYPOINT ["node", "dist/client/cli/main.js"]
CMD ["worker"]
