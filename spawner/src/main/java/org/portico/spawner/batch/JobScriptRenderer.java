package org.portico.spawner.batch;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import freemarker.cache.ClassTemplateLoader;
import freemarker.cache.FileTemplateLoader;
import freemarker.cache.MultiTemplateLoader;
import freemarker.cache.TemplateLoader;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders job scripts from FreeMarker templates, batchspawner's "the config is the template" idea.
 *
 * <p>Templates are looked up first in the site's override directory (when configured), then on the classpath
 * under {@code templates/} (so {@code batch/slurm.sh.ftl} is {@code templates/batch/slurm.sh.ftl}). A site
 * changes a script by copying a template into its directory; no rebuild is needed and FreeMarker notices
 * edits within seconds.
 *
 * <p>Templates use square-bracket interpolation ({@code [=spec.queue]}), so the shell's own {@code ${VAR}}
 * stays literal, and the {@link ShellOutputFormat}: every interpolated value is shell-quoted. The model holds
 * only the job's values (never the spawner): {@code spec} (the scalar fields of {@link JobSpec}),
 * {@code command} (pre-quoted words, with the port as {@code "$PORTICO_PORT"}), {@code callback}
 * ({@code url}), {@code nodeVariable}, {@code python}, {@code pins} (variable names to values that pin a
 * placement seat's share, exported in the server's subshell), and either {@code secretsFile} (a path the script
 * sources, then deletes) or {@code secrets} (the same text, inline). That text defines
 * {@code PORTICO_CALLBACK_SECRET} (not exported) and {@code portico_server_environment}, a function that
 * exports the server's environment; it is built here, not by templates, so secrets stay out of site
 * templates. Never log a rendered script or its secrets.
 *
 * <p>{@link #render} reads template files: it blocks, so call it on {@code Schedulers.boundedElastic()}.
 * Thread-safe.
 */
public final class JobScriptRenderer {

	private static final Logger log = LoggerFactory.getLogger(JobScriptRenderer.class);

	private final Configuration freemarker;

	private final String python;

	/**
	 * @param overrideDir a site directory searched before the classpath, or {@code null}
	 * @param python the Python 3 interpreter the job script runs for its port probe and callback
	 */
	public JobScriptRenderer(@Nullable Path overrideDir, String python) {
		this.python = python;
		this.freemarker = new Configuration(Configuration.VERSION_2_3_34);
		List<TemplateLoader> loaders = new ArrayList<>();
		if (overrideDir != null) {
			if (!Files.isDirectory(overrideDir)) {
				throw new IllegalArgumentException("template directory does not exist: " + overrideDir);
			}
			try {
				loaders.add(new FileTemplateLoader(new File(overrideDir.toString())));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}
		loaders.add(new ClassTemplateLoader(JobScriptRenderer.class, "/templates"));
		this.freemarker.setTemplateLoader(new MultiTemplateLoader(loaders.toArray(TemplateLoader[]::new)));
		this.freemarker.setRecognizeStandardFileExtensions(false);
		this.freemarker.setOutputFormat(ShellOutputFormat.INSTANCE);
		this.freemarker.setAutoEscapingPolicy(Configuration.ENABLE_IF_SUPPORTED_AUTO_ESCAPING_POLICY);
		this.freemarker.setInterpolationSyntax(Configuration.SQUARE_BRACKET_INTERPOLATION_SYNTAX);
		this.freemarker.setDefaultEncoding("UTF-8");
		this.freemarker.setNumberFormat("computer");
		this.freemarker.setBooleanFormat("c");
		this.freemarker.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
		this.freemarker.setAPIBuiltinEnabled(false);
		this.freemarker.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
		this.freemarker.setLogTemplateExceptions(false);
		this.freemarker.setWrapUncheckedExceptions(true);
		this.freemarker.setFallbackOnNullLoopVariable(false);
	}

	/** The classpath templates only, running {@code python3}. */
	public static JobScriptRenderer classpathOnly() {
		return new JobScriptRenderer(null, "python3");
	}

	/**
	 * Renders {@code scheduler}'s template for {@code spec}.
	 * @param secretsFile where the job finds its secrets (written by the caller, as the user, mode 0600, with
	 * {@link JobScript#secrets()}), or {@code null} to put them into the script itself. Inline is safe only
	 * where the scheduler keeps job scripts private: Slurm does (0700), Grid Engine's execd does not
	 * (job_scripts are world-readable).
	 * @return the script, and the secrets-file text when {@code secretsFile} is given
	 * @throws IllegalStateException when the template is missing or fails; the message names the template,
	 * never a value
	 */
	public JobScript render(BatchScheduler scheduler, JobSpec spec, @Nullable Path secretsFile) {
		String name = scheduler.scriptTemplate();
		String secrets = secretsBlock(spec);
		try {
			Template template = this.freemarker.getTemplate(name);
			StringWriter out = new StringWriter();
			template.process(model(scheduler, spec, secretsFile, secrets), out);
			log.debug("rendered job script template={} chars={} secretsInFile={}", name, out.getBuffer().length(),
					secretsFile != null);
			return new JobScript(out.toString(), (secretsFile != null) ? secrets : "");
		}
		catch (IOException | TemplateException ex) {
			// The exception text may quote model values (secrets included): keep only the template and the type.
			throw new IllegalStateException("job script template " + name + " failed: " + ex.getClass().getSimpleName());
		}
	}

	/** The secrets text: the callback secret (not exported) and a function exporting the server's environment. */
	static String secretsBlock(JobSpec spec) {
		StringBuilder text = new StringBuilder("PORTICO_CALLBACK_SECRET=").append(ShellQuoting.quote(spec.callbackSecret()))
			.append("\nportico_server_environment() {\n");
		for (Map.Entry<String, String> e : new TreeMap<>(spec.environment()).entrySet()) {
			// names are identifiers (JobSpec checks), values quoted
			text.append("\texport ").append(e.getKey()).append('=').append(ShellQuoting.quote(e.getValue())).append('\n');
		}
		return text.append("\t:\n}\n").toString();
	}

	private Map<String, Object> model(BatchScheduler scheduler, JobSpec spec, @Nullable Path secretsFile, String secrets) {
		Map<String, Object> s = new LinkedHashMap<>();
		s.put("user", spec.user());
		s.put("jobName", spec.jobName());
		putIfSet(s, "queue", spec.queue());
		putIfSet(s, "account", spec.account());
		s.put("cores", spec.cores());
		s.put("memoryMiB", spec.memoryMiB());
		s.put("gpus", spec.gpus());
		putIfSet(s, "gres", spec.gres());
		s.put("walltimeSeconds", spec.walltime().toSeconds());
		s.put("walltimeMinutes", spec.walltimeMinutes());
		s.put("immediate", spec.immediate());
		s.put("workDir", spec.workDir().toString());
		s.put("outputFile", spec.outputFile().toString());
		putIfSet(s, "nodeList", spec.nodeList());
		s.put("startTimeoutSeconds", spec.startTimeout().toSeconds());
		List<Object> command = new ArrayList<>();
		for (String arg : spec.command()) {
			command.add(markup(ShellQuoting.wordWithPort(arg)));
		}
		Map<String, Object> model = new LinkedHashMap<>();
		model.put("spec", s);
		model.put("command", command);
		model.put("callback", Map.of("url", spec.callbackUrl().toString()));
		model.put("nodeVariable", scheduler.nodeNameVariable());
		model.put("python", this.python);
		// names are identifiers and values plain tokens (JobSpec checks); the template quotes the values
		model.put("pins", new java.util.TreeMap<>(spec.pins()));
		if (secretsFile != null) {
			model.put("secretsFile", secretsFile.toString());
		}
		else {
			model.put("secrets", markup(secrets));
		}
		return model;
	}

	private static void putIfSet(Map<String, Object> map, String key, @Nullable Object value) {
		if (value != null) {
			map.put(key, value);
		}
	}

	private static Object markup(String shellText) {
		try {
			return ShellOutputFormat.INSTANCE.fromMarkup(shellText);
		}
		catch (freemarker.template.TemplateModelException ex) {
			throw new IllegalStateException(ex);
		}
	}
}
