package org.portico.kerneltools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.jspecify.annotations.Nullable;

/**
 * A kernelspec as Jupyter reads it from {@code kernel.json}: {@code argv}, {@code display_name},
 * {@code language}, {@code env} and {@code metadata}, where kernel-tools keeps its own record under
 * {@code metadata.portico}.
 *
 * <pre>{@code
 * {
 *   "argv": ["/bin/sh", ".../kernels/ml/portico-kernel-launcher.sh", "--name", "ml",
 *            "--module-system", "lmod", "--module-cmd", ".../libexec/lmod", "--modulepath", "...",
 *            "--venv", "/home/u/venvs/ml", "--python", "/home/u/venvs/ml/bin/python",
 *            "-f", "{connection_file}", "--", "cuda/12.4", "python/3.11"],
 *   "display_name": "ml (cuda/12.4, python/3.11, venv ml)",
 *   "language": "python",
 *   "env": {},
 *   "metadata": {"portico": {...}}
 * }
 * }</pre>
 *
 * @param argv the command Jupyter runs, with <code>{connection_file}</code> in place of the
 * connection file
 * @param displayName the name shown in Jupyter's kernel menu
 * @param language the kernel's language, {@code python}
 * @param env variables Jupyter adds to the kernel's environment
 * @param metadata free-form metadata; kernel-tools reads and writes {@code portico}
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({ "argv", "display_name", "language", "env", "metadata" })
public record KernelSpec(List<String> argv, String displayName, String language, Map<String, String> env,
		Map<String, Object> metadata) {

	/** The file name Jupyter looks for in a kernel's folder. */
	public static final String FILE_NAME = "kernel.json";

	/** The key under {@code metadata} that kernel-tools owns. */
	public static final String METADATA_KEY = "portico";

	/**
	 * Checks and copies the components.
	 * @throws IllegalArgumentException if {@code argv} is empty
	 */
	public KernelSpec {
		argv = List.copyOf(argv);
		Objects.requireNonNull(displayName, "displayName");
		Objects.requireNonNull(language, "language");
		env = Map.copyOf((env != null) ? env : Map.of());
		metadata = (metadata != null) ? java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata))
				: Map.of();
		if (argv.isEmpty()) {
			throw new IllegalArgumentException("a kernelspec needs a command (argv)");
		}
	}

	/**
	 * Kernel-tools' record in {@code metadata.portico}.
	 * @return the record, or null for a kernelspec that kernel-tools did not make (or cannot read)
	 */
	@JsonIgnore
	public @Nullable PorticoMetadata portico() {
		Object value = this.metadata.get(METADATA_KEY);
		if (value == null) {
			return null;
		}
		try {
			return KernelJson.mapper().convertValue(value, PorticoMetadata.class);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	/**
	 * Reads a {@code kernel.json}.
	 * @param file the file
	 * @return the spec
	 * @throws UncheckedIOException if it cannot be read or is not a kernelspec
	 */
	public static KernelSpec read(Path file) {
		try {
			return KernelJson.mapper().readValue(file.toFile(), KernelSpec.class);
		}
		catch (IOException | IllegalArgumentException ex) {
			throw new UncheckedIOException(
					new IOException("cannot read kernelspec " + file + ": " + ex.getMessage(), ex));
		}
	}

	/**
	 * This spec as {@code kernel.json} text.
	 * @return pretty-printed JSON ending with a newline
	 */
	public String toJson() {
		try {
			return KernelJson.mapper().writeValueAsString(this) + "\n";
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
