package org.portico.kerneltools;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;

/**
 * The JSON conventions of kernel-tools, shared by {@code kernel.json} and the CLI's {@code --json}
 * output: {@code snake_case} names (as Jupyter's {@code display_name}), paths as plain strings, unknown fields ignored when reading (a newer kernel-tools may add
 * some).
 */
public final class KernelJson {

	private static final ObjectMapper MAPPER = JsonMapper.builder()
		.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(SerializationFeature.INDENT_OUTPUT)
		.addModule(paths())
		.build();

	private KernelJson() {
	}

	/**
	 * The configured mapper; thread-safe, do not reconfigure it.
	 * @return the mapper
	 */
	public static ObjectMapper mapper() {
		return MAPPER;
	}

	private static SimpleModule paths() {
		SimpleModule module = new SimpleModule("portico-paths");
		module.addSerializer(Path.class, new JsonSerializer<Path>() {
			@Override
			public void serialize(Path value, JsonGenerator generator, SerializerProvider provider) throws IOException {
				generator.writeString(value.toString());
			}
		});
		module.addDeserializer(Path.class, new JsonDeserializer<Path>() {
			@Override
			public Path deserialize(JsonParser parser, DeserializationContext context) throws IOException {
				return Path.of(parser.getValueAsString());
			}
		});
		return module;
	}

}
