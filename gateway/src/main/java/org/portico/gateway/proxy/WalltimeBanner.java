package org.portico.gateway.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The walltime warning inside Jupyter: Jupyter Notebook loads {@code BASE/custom/custom.js} on every
 * page, so the gateway answers that path itself with a script that shows a banner once the server's
 * time limit is near (it reads {@code time_remaining} from the hub API with the login cookie). A
 * user's own {@code ~/.jupyter/custom/custom.js} is not loaded behind Portico.
 */
final class WalltimeBanner {

	/** The path under a server's base URL that Jupyter loads. */
	static final String PATH = "custom/custom.js";

	private final byte[] script;

	WalltimeBanner(Duration warnBefore) {
		try (InputStream in = WalltimeBanner.class.getResourceAsStream("/static/hub/static/walltime-banner.js")) {
			if (in == null) {
				throw new IllegalStateException("walltime-banner.js is missing from the build");
			}
			String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
			this.script = text.replace("__WARN_SECONDS__", Long.toString(warnBefore.toSeconds())).getBytes(StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	Mono<Void> serve(HttpServerResponse response) {
		return response.status(HttpResponseStatus.OK)
			.header(HttpHeaderNames.CONTENT_TYPE, "application/javascript; charset=utf-8")
			.header(HttpHeaderNames.CACHE_CONTROL, "no-cache")
			.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(this.script.length))
			.sendByteArray(Mono.just(this.script))
			.then();
	}
}
