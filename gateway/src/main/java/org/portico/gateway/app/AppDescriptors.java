package org.portico.gateway.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;

/**
 * App descriptors: one YAML or JSON file per app, named after it ({@code code.yaml} is the app
 * {@code code}), with the fields of {@link AppDefinition} in kebab case as in {@code application.yml}.
 *
 * <p>They are bound by Spring Boot's own binder, so a descriptor means exactly what the same block
 * under {@code portico.apps.NAME} means, with the same defaults. A file that does not parse or bind
 * stops the start with a message that names it: a site's broken app must not vanish silently.
 */
final class AppDescriptors {

	/** The apps Portico ships, as {@code apps/NAME.yaml} resources. */
	static final List<String> BUILT_IN = List.of("jupyter", "desktop", "code-server");

	/** An app's name: it becomes part of paths and file names. */
	static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}");

	private AppDescriptors() {
	}

	/** The built-in apps by name. */
	static Map<String, AppDefinition> builtIn() {
		Map<String, AppDefinition> apps = new LinkedHashMap<>();
		for (String name : BUILT_IN) {
			apps.put(name, bind(name, new ClassPathResource("apps/" + name + ".yaml")));
		}
		return apps;
	}

	/**
	 * The descriptors in {@code dir}, by name, in name order.
	 * @throws IllegalStateException naming the folder or file when one cannot be read, is misnamed or does not bind
	 */
	static Map<String, AppDefinition> load(Path dir) {
		if (!Files.isDirectory(dir)) {
			throw new IllegalStateException("portico.apps-dir is not a folder: " + dir);
		}
		Map<String, AppDefinition> apps = new TreeMap<>();
		try (Stream<Path> files = Files.list(dir)) {
			for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
				String fileName = file.getFileName().toString();
				int dot = fileName.lastIndexOf('.');
				String extension = (dot < 0) ? "" : fileName.substring(dot + 1);
				if (!List.of("yaml", "yml", "json").contains(extension)) {
					continue;
				}
				String name = fileName.substring(0, dot);
				if (!NAME.matcher(name).matches()) {
					throw new IllegalStateException("app descriptor " + file + ": the file name must be the app's name, "
							+ "1 to 32 lower-case letters, digits and '-', starting with a letter");
				}
				if (apps.containsKey(name)) {
					throw new IllegalStateException("app descriptor " + file + ": another file already describes '" + name + "'");
				}
				apps.put(name, bind(fileName, new FileSystemResource(file)));
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("cannot read portico.apps-dir " + dir + ": " + ex.getMessage(), ex);
		}
		return apps;
	}

	private static AppDefinition bind(String what, Resource resource) {
		List<PropertySource<?>> documents;
		try {
			documents = new YamlPropertySourceLoader().load(what, resource);
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("app descriptor " + what + " does not parse: " + ex.getMessage(), ex);
		}
		if (documents.size() != 1 || !(documents.get(0).getSource() instanceof Map<?, ?> fields)) {
			throw new IllegalStateException("app descriptor " + what + ": expected one YAML or JSON document, found " + documents.size());
		}
		Map<String, Object> prefixed = new LinkedHashMap<>();
		fields.forEach((key, value) -> prefixed.put("app." + key, value));
		// the loader's values carry their origin (file, line): this source unwraps them for the converters of
		// non-text fields (booleans, numbers), as Boot's own application.yml source does
		Binder binder = new Binder(ConfigurationPropertySources.from(new OriginTrackedMapPropertySource(what, prefixed)));
		try {
			return binder.bind("app", Bindable.of(AppDefinition.class))
				.orElseThrow(() -> new IllegalStateException("app descriptor " + what + " is empty"));
		}
		catch (BindException ex) {
			Throwable cause = ex;
			while (cause.getCause() != null) {
				cause = cause.getCause();
			}
			throw new IllegalStateException("app descriptor " + what + ": " + cause.getMessage(), ex);
		}
	}
}
