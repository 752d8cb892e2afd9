package org.portico.gateway.batch;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.portico.spawner.SpawnRequest;
import org.portico.spawner.Spawner;
import org.portico.spawner.batch.BatchOptions;
import org.portico.spawner.batch.BatchScheduler;
import org.portico.spawner.batch.BatchSpawner;
import org.portico.spawner.batch.BatchSpawnerSettings;
import org.portico.spawner.batch.JobScriptRenderer;
import org.portico.spawner.batch.JobSpec;
import org.portico.spawner.batch.ReadinessCallbacks;
import org.portico.spawner.batch.SchedulerView;
import org.portico.spawner.exec.CommandPrefix;
import org.portico.spawner.exec.LocalCommandRunner;
import org.portico.spawner.pbs.PbsScheduler;
import org.portico.spawner.sge.SgeScheduler;
import org.portico.spawner.slurm.SlurmScheduler;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One {@link SchedulerView} and one {@link BatchSpawner} per enabled scheduler ({@code portico.batch.NAME.enabled}),
 * sharing one {@link ReadinessCallbacks}. Each view starts querying when its bean is created and stops when
 * the context closes; its spawner is a {@link Spawner} bean that the server manager finds by name.
 */
@Configuration(proxyBeanMethods = false)
public class BatchConfiguration {

	/** The callback path under the gateway's own address (see {@link BatchCallbackController}). */
	static final String CALLBACK_PATH = "/hub/api/batch/callback";

	@Bean
	ReadinessCallbacks readinessCallbacks(BatchProperties properties) {
		return new ReadinessCallbacks(Pattern.compile(properties.allowedHosts()), properties.maxCallbackFailures());
	}

	// ---- Slurm

	@Bean(initMethod = "start", destroyMethod = "close")
	@ConditionalOnProperty(name = "portico.batch.slurm.enabled", havingValue = "true")
	SchedulerView slurmView(BatchProperties properties) {
		BatchProperties.Scheduler slurm = properties.slurm();
		return view(new SlurmScheduler(ZoneId.systemDefault(), slurm.environment(), slurm.commandTimeout()), slurm);
	}

	@Bean
	@ConditionalOnProperty(name = "portico.batch.slurm.enabled", havingValue = "true")
	Spawner slurmSpawner(@Qualifier("slurmView") SchedulerView view, BatchProperties properties, ReadinessCallbacks callbacks,
			ProfileCatalog profiles, Environment environment) {
		return spawner(view, properties, properties.slurm(), callbacks, profiles, environment);
	}

	// ---- Grid Engine

	@Bean(initMethod = "start", destroyMethod = "close")
	@ConditionalOnProperty(name = "portico.batch.sge.enabled", havingValue = "true")
	SchedulerView sgeView(BatchProperties properties) {
		BatchProperties.Scheduler sge = properties.sge();
		SgeScheduler.Settings debian = SgeScheduler.Settings.debian();
		Map<String, String> env = sge.environment().isEmpty() ? debian.environment() : sge.environment();
		return view(new SgeScheduler(new SgeScheduler.Settings((sge.binDir() != null) ? sge.binDir() : debian.binDir(), env,
				debian.parallelEnvironment(), debian.memoryResource(), debian.gpuResource(), ZoneId.systemDefault(),
				sge.commandTimeout())), sge);
	}

	@Bean
	@ConditionalOnProperty(name = "portico.batch.sge.enabled", havingValue = "true")
	Spawner sgeSpawner(@Qualifier("sgeView") SchedulerView view, BatchProperties properties, ReadinessCallbacks callbacks,
			ProfileCatalog profiles, Environment environment) {
		return spawner(view, properties, properties.sge(), callbacks, profiles, environment);
	}

	// ---- PBS Pro

	@Bean(initMethod = "start", destroyMethod = "close")
	@ConditionalOnProperty(name = "portico.batch.pbs.enabled", havingValue = "true")
	SchedulerView pbsView(BatchProperties properties) {
		BatchProperties.Scheduler pbs = properties.pbs();
		PbsScheduler.Settings defaults = PbsScheduler.Settings.defaults();
		return view(new PbsScheduler(new PbsScheduler.Settings((pbs.binDir() != null) ? pbs.binDir() : defaults.binDir(),
				pbs.environment(), defaults.gpuResource(), ZoneId.systemDefault(), pbs.commandTimeout())), pbs);
	}

	@Bean
	@ConditionalOnProperty(name = "portico.batch.pbs.enabled", havingValue = "true")
	Spawner pbsSpawner(@Qualifier("pbsView") SchedulerView view, BatchProperties properties, ReadinessCallbacks callbacks,
			ProfileCatalog profiles, Environment environment) {
		return spawner(view, properties, properties.pbs(), callbacks, profiles, environment);
	}

	// ---- shared

	private static SchedulerView view(BatchScheduler scheduler, BatchProperties.Scheduler settings) {
		SchedulerView.Settings defaults = SchedulerView.Settings.defaults(settings.jobNamePrefix());
		SchedulerView.Settings viewSettings = new SchedulerView.Settings(settings.queryInterval(), settings.queryJitter(),
				settings.queryTimeout(), defaults.minRefreshGap(), settings.jobNamePrefix(), defaults.gracePeriod());
		return new SchedulerView(scheduler, runner(settings), viewSettings, Schedulers.parallel(),
				() -> ThreadLocalRandom.current().nextLong(Long.MAX_VALUE));
	}

	/** The gateway's command runner for one scheduler: a fixed PATH, with the scheduler's bin dir first. */
	private static LocalCommandRunner runner(BatchProperties.Scheduler settings) {
		Map<String, String> env = new HashMap<>(LocalCommandRunner.DEFAULT_ENVIRONMENT);
		if (settings.binDir() != null && !settings.binDir().isBlank()) {
			env.put("PATH", settings.binDir() + ":" + env.get("PATH"));
		}
		return new LocalCommandRunner(env, 32 * 1024 * 1024);
	}

	private static Spawner spawner(SchedulerView view, BatchProperties properties, BatchProperties.Scheduler settings,
			ReadinessCallbacks callbacks, ProfileCatalog profiles, Environment environment) {
		BatchScheduler scheduler = view.scheduler();
		CommandPrefix prefix = settings.userPrefix();
		JobScriptRenderer renderer = new JobScriptRenderer(settings.templateDir(), properties.python());
		LocalCommandRunner runner = runner(settings);
		BatchSpawner.OptionsResolver options = (request) -> Mono.fromCallable(() -> resolve(request, scheduler.name(), profiles));
		// The callback URL needs the gateway's port, known only once its web server listens (port 0 in tests).
		return new DeferredSpawner(scheduler.name(), () -> {
			URI base = callbackBase(properties, environment);
			BatchSpawnerSettings batch = new BatchSpawnerSettings(base, settings.jobNamePrefix(), settings.queueTimeout(),
					settings.immediateTimeout(), settings.stopTimeout(), 20, settings.secretsInFile(), Schedulers.parallel(),
					settings.timeLimitPrefix());
			return new BatchSpawner(scheduler, view, renderer, runner, prefix, callbacks, options, batch);
		});
	}

	private static URI callbackBase(BatchProperties properties, Environment environment) {
		if (properties.callbackBase() != null) {
			return properties.callbackBase();
		}
		String port = environment.getProperty("local.server.port");
		if (port == null || !port.matches("[0-9]{1,5}")) {
			throw new IllegalStateException("the gateway's port is not known yet");
		}
		return URI.create("http://127.0.0.1:" + port + CALLBACK_PATH);
	}

	/**
	 * The second check of a start's options, in the spawner, before any command runs: the profile they name
	 * must exist and run on this scheduler, and every value must be within it.
	 */
	static BatchOptions resolve(SpawnRequest request, String scheduler, ProfileCatalog profiles) {
		String name = request.options().get("profile");
		if (name == null) {
			throw new IllegalArgumentException("choose a profile");
		}
		ProfileProperties.Profile profile = profiles.find(name)
			.orElseThrow(() -> new IllegalArgumentException("the profile is not offered"));
		if (!profile.scheduler().equals(scheduler)) {
			throw new IllegalArgumentException("the profile runs on another scheduler");
		}
		Map<String, String> form = new HashMap<>(request.options());
		form.remove("profile");
		return BatchOptions.fromForm(form, limits(profile));
	}

	static BatchOptions.Limits limits(ProfileProperties.Profile profile) {
		Duration max = Duration.ofSeconds((long) Math.ceil(profile.maxHours() * 3600));
		if (max.compareTo(JobSpec.MAX_WALLTIME) > 0) {
			max = JobSpec.MAX_WALLTIME;
		}
		BatchOptions defaults = new BatchOptions(profile.queue(), profile.account(), profile.cores(), 0, profile.gpus(),
				profile.gres(), Duration.ofSeconds(Math.round(profile.defaultHours() * 3600)), profile.immediate(), null);
		return new BatchOptions.Limits(max, profile.cores(), Long.MAX_VALUE, profile.gpus(),
				new LinkedHashSet<>(ProfileCatalog.queues(profile)), defaults);
	}
}
