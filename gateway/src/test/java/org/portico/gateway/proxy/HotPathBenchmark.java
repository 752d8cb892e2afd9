package org.portico.gateway.proxy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.portico.gateway.lifecycle.ActivityTracker;
import org.portico.gateway.route.Route;
import org.portico.gateway.route.RouteTable;

/**
 * The proxy's per-request bookkeeping at 10,000 routes: route lookup, path parsing, activity
 * recording and the classification of a kernel message. Run with {@code ./portico microbench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmark {

	@Param("10000")
	int routes;

	RouteTable table;

	ActivityTracker activity;

	Route route;

	byte[] kernelMessage;

	int kernelMessageLength;

	@Setup
	public void setUp() {
		this.table = RouteTables.inMemory();
		this.activity = new ActivityTracker();
		for (int i = 0; i < this.routes; i++) {
			Route r = new Route("/user/u" + i + "/", URI.create("http://10.0." + (i / 250) + "." + (i % 250) + ":8888"), "u" + i, "", "token x");
			this.table.put(r).block();
			this.activity.record(r, false);
		}
		this.route = this.table.match("/user/u4321/").orElseThrow();
		String json = "{\"header\":{\"msg_id\":\"8f1c2b3a-1d2e-4f50-9a6b-7c8d9e0f1a2b\",\"username\":\"u4321\",\"session\":\"s\","
				+ "\"msg_type\":\"execute_request\",\"version\":\"5.3\",\"date\":\"2026-11-25T10:00:00.000Z\"},\"parent_header\":{},"
				+ "\"metadata\":{},\"content\":{\"code\":\"1+1\",\"silent\":false},\"channel\":\"shell\",\"buffers\":[]}";
		byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
		this.kernelMessage = java.util.Arrays.copyOf(bytes, ActivityClassifier.TEXT_PREFIX);
		this.kernelMessageLength = Math.min(bytes.length, ActivityClassifier.TEXT_PREFIX);
	}

	@Benchmark
	public Object routeLookup() {
		return this.table.match("/user/u4321/api/kernels/8f1c2b3a/channels");
	}

	@Benchmark
	public Object parseRequestTarget() {
		return ProxyRequest.parse("/user/u4321/api/contents/notebooks/analysis%20v2.ipynb?content=1&_=1732530000000");
	}

	@Benchmark
	public void recordActivity() {
		this.activity.record(this.route, true);
	}

	@Benchmark
	public boolean classifyKernelMessage() {
		return ActivityClassifier.isHumanText(ActivityClassifier.Socket.KERNEL, this.kernelMessage, this.kernelMessageLength);
	}
}
