package org.portico.gateway.batch;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.portico.gateway.app.AppCatalog;
import org.portico.gateway.app.AppRuntime;
import org.portico.gateway.config.PorticoProperties;
import org.portico.spawner.exec.CommandPrefix;
import org.springframework.stereotype.Component;

/**
 * Where a batch job's server runs: in the user's home as the user, binding all addresses of its node (the
 * node's name is only known inside the job), loading Portico's runtime files from a folder every user can
 * read.
 */
@Component
public final class BatchPlacements {

	private final BatchProperties properties;

	private final Set<String> enabled = new HashSet<>();

	private final @Nullable Path runtimeDir;

	public BatchPlacements(BatchProperties properties, PorticoProperties portico, AppRuntime runtime) {
		this.properties = properties;
		if (properties.slurm().enabled()) {
			this.enabled.add("slurm");
		}
		if (properties.sge().enabled()) {
			this.enabled.add("sge");
		}
		if (properties.pbs().enabled()) {
			this.enabled.add("pbs");
		}
		if (this.enabled.isEmpty()) {
			this.runtimeDir = null;
		}
		else {
			Path data = portico.dataPath();
			Path dir = (properties.runtimeDir() != null) ? properties.runtimeDir().toAbsolutePath().normalize()
					: data.resolveSibling(data.getFileName() + "-runtime");
			if (dir.startsWith(data)) {
				throw new IllegalStateException("portico.batch.runtime-dir must be outside the private data directory");
			}
			this.runtimeDir = runtime.publishTo(dir);
		}
		if (!properties.home().contains("{user}") || !properties.home().startsWith("/")) {
			throw new IllegalStateException("portico.batch.home must be an absolute path with {user}");
		}
	}

	/**
	 * How commands run as an end user when servers run as batch jobs under the users' own accounts: the
	 * prefix of the first enabled scheduler (slurm, sge, pbs), or {@code null} when none is enabled.
	 */
	public @Nullable CommandPrefix userPrefix() {
		for (String name : List.of("slurm", "sge", "pbs")) {
			if (this.enabled.contains(name)) {
				return switch (name) {
					case "slurm" -> this.properties.slurm().userPrefix();
					case "sge" -> this.properties.sge().userPrefix();
					default -> this.properties.pbs().userPrefix();
				};
			}
		}
		return null;
	}

	/** A user's home directory on the cluster ({@code portico.batch.home}); the name must be a valid OS user name. */
	public Path home(String user) {
		if (!CommandPrefix.isValidUserName(user)) {
			throw new IllegalArgumentException("not a valid OS user name");
		}
		return Path.of(this.properties.home().replace("{user}", user));
	}

	/** The folder every user can read Portico's runtime files from, or {@code null} when no batch scheduler is enabled. */
	public @Nullable Path runtimeDir() {
		return this.runtimeDir;
	}

	/** Whether {@code spawner} is an enabled batch scheduler. */
	public boolean isBatch(@Nullable String spawner) {
		return spawner != null && this.enabled.contains(spawner);
	}

	/**
	 * @return the placement of a server that {@code spawner} runs, or {@code null} when it is no batch spawner
	 */
	public AppCatalog.@Nullable Placement placementFor(@Nullable String spawner, String user, String server) {
		if (!isBatch(spawner) || this.runtimeDir == null) {
			return null;
		}
		// user names are checked (Names) before any server exists; the spawner checks them again
		Path home = home(user);
		// "." is in neither user nor server names: alice's "x" and the user alice-x never share a log
		String key = server.isEmpty() ? user : user + "." + server;
		return new AppCatalog.Placement("0.0.0.0", home, home.resolve(this.properties.logDir()).resolve(key + ".log"),
				this.runtimeDir, user);
	}
}
