package org.portico.gateway.store;

import java.time.Instant;

import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;

/** Reading columns of Portico's tables. */
final class Rows {

	private Rows() {
	}

	static @Nullable Instant instant(Readable row, String column) {
		Long millis = row.get(column, Long.class);
		return (millis != null) ? Instant.ofEpochMilli(millis) : null;
	}

	static Instant requiredInstant(Readable row, String column) {
		Instant value = instant(row, column);
		if (value == null) {
			throw new IllegalStateException("column " + column + " is null");
		}
		return value;
	}

	static DatabaseClient.GenericExecuteSpec bindNullable(DatabaseClient.GenericExecuteSpec spec, String name,
			@Nullable Object value, Class<?> type) {
		return (value != null) ? spec.bind(name, value) : spec.bindNull(name, type);
	}

	static String string(Readable row, String column) {
		String value = row.get(column, String.class);
		if (value == null) {
			throw new IllegalStateException("column " + column + " is null");
		}
		return value;
	}
}
