-- Portico's embedded database. Times are epoch milliseconds (UTC).
CREATE TABLE IF NOT EXISTS users (
  name           VARCHAR(32)  PRIMARY KEY,
  admin          BOOLEAN      NOT NULL DEFAULT FALSE,
  password_hash  VARCHAR(200),
  created        BIGINT       NOT NULL,
  last_activity  BIGINT
);

-- API tokens: only a SHA-256 of the token is kept (tokens are 256-bit random, so no slow hash is needed).
CREATE TABLE IF NOT EXISTS api_tokens (
  id             VARCHAR(24)  PRIMARY KEY,
  user_name      VARCHAR(32)  NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  hash           CHAR(64)     NOT NULL UNIQUE,
  prefix         VARCHAR(8)   NOT NULL,
  note           VARCHAR(200),
  created        BIGINT       NOT NULL,
  expires_at     BIGINT,
  last_activity  BIGINT
);

-- Browser logins; the cookie holds the token, the table its SHA-256.
CREATE TABLE IF NOT EXISTS login_sessions (
  hash           CHAR(64)     PRIMARY KEY,
  user_name      VARCHAR(32)  NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  created        BIGINT       NOT NULL,
  expires_at     BIGINT       NOT NULL
);

-- One row per (user, server name); the spawner's state is saved the moment it exists.
CREATE TABLE IF NOT EXISTS servers (
  user_name      VARCHAR(32)  NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  name           VARCHAR(32)  NOT NULL,
  app            VARCHAR(32)  NOT NULL,
  status         VARCHAR(16)  NOT NULL,
  spawner        VARCHAR(32),
  state          VARCHAR(4000),
  secret         VARCHAR(128),
  target         VARCHAR(255),
  started        BIGINT,
  stopped        BIGINT,
  last_activity  BIGINT,
  message        VARCHAR(4000),
  PRIMARY KEY (user_name, name)
);
ALTER TABLE servers ADD COLUMN IF NOT EXISTS expires_at BIGINT;
ALTER TABLE servers ADD COLUMN IF NOT EXISTS keep_until BIGINT;
ALTER TABLE servers ADD COLUMN IF NOT EXISTS last_seen  BIGINT;
-- the profile a server was started with: its culling policy and walltime limits follow it
ALTER TABLE servers ADD COLUMN IF NOT EXISTS profile    VARCHAR(40);

CREATE TABLE IF NOT EXISTS events (
  id             BIGINT       AUTO_INCREMENT PRIMARY KEY,
  ts             BIGINT       NOT NULL,
  user_name      VARCHAR(32)  NOT NULL,
  server_name    VARCHAR(32)  NOT NULL,
  kind           VARCHAR(32)  NOT NULL,
  message        VARCHAR(4000)
);
CREATE INDEX IF NOT EXISTS events_user ON events(user_name, ts);

-- Groups of users (JupyterHub's groups): class reservations of a placement pool are for a group.
CREATE TABLE IF NOT EXISTS user_groups (
  name           VARCHAR(32)  PRIMARY KEY,
  created        BIGINT       NOT NULL
);
CREATE TABLE IF NOT EXISTS group_members (
  group_name     VARCHAR(32)  NOT NULL REFERENCES user_groups(name) ON DELETE CASCADE,
  user_name      VARCHAR(32)  NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  PRIMARY KEY (group_name, user_name)
);
CREATE INDEX IF NOT EXISTS group_members_user ON group_members(user_name);

-- Seats of a placement pool held for a group during a window; fed to the pool's engine at start-up.
CREATE TABLE IF NOT EXISTS reservations (
  id             VARCHAR(24)  PRIMARY KEY,
  pool           VARCHAR(64)  NOT NULL,
  group_name     VARCHAR(32)  NOT NULL REFERENCES user_groups(name) ON DELETE CASCADE,
  seats          INT          NOT NULL,
  start_at       BIGINT       NOT NULL,
  end_at         BIGINT       NOT NULL,
  nodes          VARCHAR(4000),
  created_by     VARCHAR(64)  NOT NULL,
  created        BIGINT       NOT NULL
);
