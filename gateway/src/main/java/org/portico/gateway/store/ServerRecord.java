package org.portico.gateway.store;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.portico.spawner.SpawnState;

/**
 * The database's record of one user server.
 *
 * @param user the owner
 * @param name the server's name ({@code ""} for the default server)
 * @param app the app it runs
 * @param phase where it stands
 * @param spawner the spawner that launched it
 * @param state what the spawner needs to find it again, saved the moment it exists
 * @param secret the token the gateway uses towards the server; never shown to anyone
 * @param target where its route points, once it answers
 * @param started when it was requested
 * @param stopped when it ended
 * @param lastActivity its last proxied activity, where known
 * @param message the last thing to tell its owner (why it failed or stopped)
 * @param expiresAt when its walltime ends, or {@code null} for none
 * @param keepUntil until when its owner pinned it against idle culling, or {@code null}
 * @param lastSeen its last proxied traffic of any kind (also polls and heartbeats)
 * @param profile the profile it was started with ({@code portico.profiles.NAME}), or {@code null} for none;
 * its culling policy and walltime limits apply to the server for its whole life
 */
public record ServerRecord(String user, String name, String app, ServerPhase phase, @Nullable String spawner,
		@Nullable SpawnState state, @Nullable String secret, @Nullable URI target, @Nullable Instant started,
		@Nullable Instant stopped, @Nullable Instant lastActivity, @Nullable String message, @Nullable Instant expiresAt,
		@Nullable Instant keepUntil, @Nullable Instant lastSeen, @Nullable String profile) {

	public ServerRecord {
		Objects.requireNonNull(user, "user");
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(app, "app");
		Objects.requireNonNull(phase, "phase");
		// the database keeps milliseconds: hold exactly what a reload would give back
		started = millis(started);
		stopped = millis(stopped);
		lastActivity = millis(lastActivity);
		expiresAt = millis(expiresAt);
		keepUntil = millis(keepUntil);
		lastSeen = millis(lastSeen);
	}

	private static @Nullable Instant millis(@Nullable Instant instant) {
		return (instant != null) ? instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS) : null;
	}

	public ServerRecord withPhase(ServerPhase phase, @Nullable String message) {
		return new ServerRecord(this.user, this.name, this.app, phase, this.spawner, this.state, this.secret, this.target,
				this.started, (phase == ServerPhase.STOPPED || phase == ServerPhase.FAILED) ? Instant.now() : this.stopped,
				this.lastActivity, message, this.expiresAt, this.keepUntil, this.lastSeen, this.profile);
	}

	public ServerRecord withState(@Nullable SpawnState state) {
		return new ServerRecord(this.user, this.name, this.app, this.phase, this.spawner, state, this.secret, this.target,
				this.started, this.stopped, this.lastActivity, this.message, this.expiresAt, this.keepUntil, this.lastSeen, this.profile);
	}

	/** Running at {@code target}. */
	public ServerRecord running(URI target) {
		return new ServerRecord(this.user, this.name, this.app, ServerPhase.RUNNING, this.spawner, this.state, this.secret, target,
				this.started, null, this.lastActivity, "Running", this.expiresAt, this.keepUntil, this.lastSeen, this.profile);
	}

	public ServerRecord withExpiry(@Nullable Instant expiresAt) {
		return new ServerRecord(this.user, this.name, this.app, this.phase, this.spawner, this.state, this.secret, this.target,
				this.started, this.stopped, this.lastActivity, this.message, expiresAt, this.keepUntil, this.lastSeen, this.profile);
	}

	public ServerRecord withKeepUntil(@Nullable Instant keepUntil) {
		return new ServerRecord(this.user, this.name, this.app, this.phase, this.spawner, this.state, this.secret, this.target,
				this.started, this.stopped, this.lastActivity, this.message, this.expiresAt, keepUntil, this.lastSeen, this.profile);
	}

	@Override
	public String toString() {
		// never print the secret
		return "ServerRecord[user=" + this.user + ", name=" + this.name + ", phase=" + this.phase + ", profile=" + this.profile
				+ ", target=" + this.target + "]";
	}
}
