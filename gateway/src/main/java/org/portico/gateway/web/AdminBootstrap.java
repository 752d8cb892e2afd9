package org.portico.gateway.web;

import java.time.Duration;

import org.portico.gateway.config.PorticoProperties;
import org.portico.gateway.security.Accounts;
import org.portico.gateway.security.Secrets;
import org.portico.gateway.store.UserStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * On first start (no admin yet), creates the admin account: with {@code PORTICO_ADMIN_PASSWORD}
 * when set, otherwise with a one-time password printed once to the console (never to the log file
 * pattern of later starts, since it is printed only when the account is created).
 */
@Component
class AdminBootstrap implements ApplicationRunner {

	private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);

	private final UserStore users;

	private final Accounts accounts;

	private final PorticoProperties properties;

	AdminBootstrap(UserStore users, Accounts accounts, PorticoProperties properties) {
		this.users = users;
		this.accounts = accounts;
		this.properties = properties;
	}

	@Override
	public void run(ApplicationArguments args) {
		Boolean anyAdmin = this.users.anyAdmin().block(Duration.ofSeconds(30));
		if (Boolean.TRUE.equals(anyAdmin)) {
			return;
		}
		String name = this.properties.admin().name();
		String configured = this.properties.admin().password();
		String password = (configured != null) ? configured : Secrets.randomBase64(12);
		this.accounts.create(name, true, password).block(Duration.ofSeconds(30));
		log.info("admin account created user={}", name);
		if (configured == null) {
			// Printed once, on the console only: it is the one way to learn it.
			System.out.println();
			System.out.println("  Portico admin account created: user '" + name + "', one-time password: " + password);
			System.out.println("  Log in at /hub/login and change it with PATCH /hub/api/users/" + name + " {\"password\": ...}.");
			System.out.println();
		}
	}
}
