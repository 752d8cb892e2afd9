package org.portico.gateway.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The walltime warning inside Jupyter: Jupyter Notebook loads {@code BASE/custom/custom.js} on every
 * page, so the gateway answers that path itself with a script that shows a banner once the server's
 * time limit is near (it reads {@code time_remaining} from the hub API with the login cookie), at the
 * server's own warn-before (its profile's culling policy). A
 * user's own {@code ~/.jupyter/custom/custom.js} is not loaded behind Portico.
 */
final class WalltimeBanner {

	/** The path under a server's base URL that Jupyter loads. */
	static final String PATH = "custom/custom.js";

	private final String template;

	/** The script for each warn-before (in seconds) asked for so far: one per profile policy at most. */
	private final ConcurrentHashMap<Long, byte[]> scripts = new ConcurrentHashMap<>();

	WalltimeBanner() {
		try (InputStream in = WalltimeBanner.class.getResourceAsStream("/static/hub/static/walltime-banner.js")) {
			if (in == null) {
				throw new IllegalStateException("walltime-banner.js is missing from the build");
			}
			this.template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Answers with the script for one server.
	 * @param warnBefore the server's own warn-before (its profile's culling policy)
	 */
	Mono<Void> serve(HttpServerResponse response, Duration warnBefore) {
		byte[] script = this.scripts.computeIfAbsent(warnBefore.toSeconds(),
				(seconds) -> this.template.replace("__WARN_SECONDS__", Long.toString(seconds)).getBytes(StandardCharsets.UTF_8));
		return response.status(HttpResponseStatus.OK)
			.header(HttpHeaderNames.CONTENT_TYPE, "application/javascript; charset=utf-8")
			.header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
			.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(script.length))
			.sendByteArray(Mono.just(script))
			.then();
	}
}
