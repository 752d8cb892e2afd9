package org.portico.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * The parts of a proxied request's target that routing needs: the raw path and query as received,
 * and the decoded path that routing and owner checks read.
 *
 * <p>{@link #parse} refuses every spelling that could make the route a request is checked against
 * differ from the one it is served by: malformed or non-UTF-8 escapes, dot segments ({@code .},
 * {@code ..}, also encoded), backslashes, NUL and control characters, and empty segments within the
 * route's prefix (encoded slashes decode to real ones and are refused the same way).
 *
 * @param rawPath the path exactly as received (forwarded unchanged)
 * @param rawQuery the query as received, without {@code ?}, or {@code null}
 * @param path the decoded path
 */
record ProxyRequest(String rawPath, @Nullable String rawQuery, String path) {

	/** Parses a request target ({@code /user/alice/api?x=1}); {@code null} when it must be refused. */
	static @Nullable ProxyRequest parse(String uri) {
		if (uri.isEmpty() || uri.charAt(0) != '/') {
			return null;
		}
		int question = uri.indexOf('?');
		String rawPath = (question < 0) ? uri : uri.substring(0, question);
		String rawQuery = (question < 0) ? null : uri.substring(question + 1);
		int hash = rawPath.indexOf('#');
		if (hash >= 0) {
			return null;
		}
		String path = decode(rawPath);
		if (path == null || !isSafe(path)) {
			return null;
		}
		return new ProxyRequest(rawPath, rawQuery, path);
	}

	/**
	 * The path and query to send upstream.
	 * @param stripToken whether to drop the {@code token} parameter: only when it was the gateway's
	 * own credential for this request; otherwise it may be the server's and is passed on
	 */
	String upstreamUri(boolean stripToken) {
		return upstreamUri(stripToken, 0);
	}

	/**
	 * As {@link #upstreamUri(boolean)}, without the first {@code prefixSegments} segments of the path
	 * (a route's spec, for apps served with the prefix stripped): {@code /user/alice/code/x} less 3
	 * segments is {@code /x}. Segments are counted on the raw path, so an escaped character in the
	 * prefix cannot shift the cut.
	 */
	String upstreamUri(boolean stripToken, int prefixSegments) {
		String path = this.rawPath;
		if (prefixSegments > 0) {
			int cut = 0;
			for (int i = 0; i < prefixSegments && cut >= 0; i++) {
				cut = path.indexOf('/', cut + 1);
			}
			path = (cut < 0) ? "/" : path.substring(cut);
		}
		String query = stripToken ? withoutTokenParameter(this.rawQuery) : this.rawQuery;
		return (query == null || query.isEmpty()) ? path : path + "?" + query;
	}

	/** The value of the {@code token} query parameter, or {@code null}. */
	@Nullable String queryToken() {
		if (this.rawQuery == null) {
			return null;
		}
		for (String pair : this.rawQuery.split("&")) {
			if (pair.startsWith("token=")) {
				String value = decode(pair.substring(6).replace('+', ' '));
				return (value != null) ? value : null;
			}
		}
		return null;
	}

	/** The path with the query, as received, for {@code next=} links. */
	String rawPathAndQuery() {
		return (this.rawQuery != null) ? this.rawPath + "?" + this.rawQuery : this.rawPath;
	}

	static @Nullable String withoutTokenParameter(@Nullable String query) {
		if (query == null || !query.contains("token=")) {
			return query;
		}
		StringBuilder kept = new StringBuilder(query.length());
		for (String pair : query.split("&")) {
			if (pair.startsWith("token=") || pair.equals("token")) {
				continue;
			}
			if (kept.length() > 0) {
				kept.append('&');
			}
			kept.append(pair);
		}
		return kept.toString();
	}

	private static boolean isSafe(String path) {
		int length = path.length();
		for (int i = 0; i < length; i++) {
			char c = path.charAt(i);
			if (c < 0x20 || c == 0x7f || c == '\\') {
				return false;
			}
		}
		// Dot segments anywhere; empty segments in the first three ("/user/NAME/").
		int segment = 0;
		int start = 1;
		while (start <= length) {
			int slash = path.indexOf('/', start);
			int end = (slash < 0) ? length : slash;
			String part = path.substring(start, end);
			if (part.equals(".") || part.equals("..")) {
				return false;
			}
			if (part.isEmpty() && slash >= 0 && segment < 3) {
				return false;
			}
			if (slash < 0) {
				break;
			}
			segment++;
			start = slash + 1;
		}
		return true;
	}

	/** Strict percent-decoding to UTF-8 ({@code +} is left alone); {@code null} when malformed. */
	static @Nullable String decode(String raw) {
		if (raw.indexOf('%') < 0) {
			return raw;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			if (c == '%') {
				if (i + 2 >= raw.length()) {
					return null;
				}
				int hi = Character.digit(raw.charAt(i + 1), 16);
				int lo = Character.digit(raw.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					return null;
				}
				bytes.write((hi << 4) | lo);
				i += 2;
			}
			else if (c < 0x80) {
				bytes.write(c);
			}
			else {
				byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
				bytes.write(encoded, 0, encoded.length);
			}
		}
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes.toByteArray()))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}
}
