package org.portico.envmodules;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Real tool outputs recorded by {@code src/test/resources/modules/capture.sh}: for a case
 * {@code lmod/load-unknown}, the files {@code .stdout}, {@code .stderr} and {@code .exit}.
 */
final class Captured {

	/** The directory the capture script wrote the module tree to; recorded paths start with it. */
	static final String TREE = "/tmp/portico-modules";

	private Captured() {
	}

	static ToolResult result(String name) {
		return new ToolResult(List.of("captured", name), Integer.parseInt(text(name + ".exit").strip()),
				text(name + ".stdout"), text(name + ".stderr"));
	}

	static String stdout(String name) {
		return text(name + ".stdout");
	}

	static String stderr(String name) {
		return text(name + ".stderr");
	}

	private static String text(String file) {
		String resource = "/modules/" + file;
		try (InputStream in = Captured.class.getResourceAsStream(resource)) {
			if (in == null) {
				throw new IllegalStateException("missing test resource " + resource + "; run capture.sh");
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
