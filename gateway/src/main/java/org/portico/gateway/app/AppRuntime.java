package org.portico.gateway.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.portico.gateway.config.PorticoProperties;
import org.springframework.stereotype.Component;

/**
 * Files that apps and users' commands need at run time and that Portico ships (its Jupyter login
 * handler, kernel-tools' runnable jar), written under {@code DATA_DIR/runtime} at start-up so that servers can load them; apps refer to
 * the folder as {@code {runtime_dir}}.
 */
@Component
public final class AppRuntime {

	/** kernel-tools' runnable jar, relative to the runtime folder. */
	public static final String KERNEL_TOOLS_JAR = "kernel-tools/portico-kernel-tools.jar";

	private static final List<String> FILES = List.of("python/portico_jupyter_auth.py", "desktop/portico-desktop.sh", KERNEL_TOOLS_JAR);

	private final Path dir;

	public AppRuntime(PorticoProperties properties) {
		this.dir = properties.dataPath().resolve("runtime");
		for (String file : FILES) {
			install(file);
		}
	}

	/** The folder the runtime files are in. */
	public Path dir() {
		return this.dir;
	}

	/**
	 * Copies the runtime files into {@code dir} for servers that run as other users (batch jobs): directories
	 * 0755 and files 0644, so that every user can read them, as the private data directory does not allow.
	 * @return {@code dir}
	 */
	public Path publishTo(Path dir) {
		for (String file : FILES) {
			Path target = dir.resolve(file);
			install(file, target);
			try {
				for (Path d = target.getParent(); d != null && d.startsWith(dir); d = d.getParent()) {
					Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
				}
				Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
			}
			catch (IOException ex) {
				throw new UncheckedIOException("cannot make " + target + " readable", ex);
			}
		}
		return dir;
	}

	private void install(String file) {
		install(file, this.dir.resolve(file));
	}

	private static void install(String file, Path target) {
		try (InputStream in = AppRuntime.class.getResourceAsStream("/runtime/" + file)) {
			if (in == null) {
				throw new IllegalStateException("runtime file missing from the build: " + file);
			}
			Files.createDirectories(target.getParent());
			Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot install " + target, ex);
		}
	}
}
