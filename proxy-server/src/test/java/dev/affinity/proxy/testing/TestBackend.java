package dev.affinity.proxy.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP backend on a loopback address for tests: answers every request with its own name in
 * the body and in an {@code X-Backend} header, records each request it received, and lets a test
 * install handlers for particular paths.
 *
 * <p>Thread-safe.
 */
public final class TestBackend implements AutoCloseable {

    /** One request as the backend saw it. */
    public record Received(String method, String rawTarget, Headers headers, long bodyBytes) {
        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final String name;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, HttpHandler> handlers = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    private TestBackend(String name, HttpServer server, ExecutorService executor) {
        this.name = name;
        this.server = server;
        this.executor = executor;
    }

    /** Starts a backend named {@code name} on {@code host} (e.g. 127.0.0.2), port 0 for a free port. */
    public static TestBackend start(String name, String host, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
        ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "backend-" + name);
            t.setDaemon(true);
            return t;
        });
        TestBackend backend = new TestBackend(name, server, executor);
        server.createContext("/", backend::dispatch);
        server.setExecutor(executor);
        server.start();
        return backend;
    }

    public static TestBackend start(String name, String host) throws IOException {
        return start(name, host, 0);
    }

    /** Installs a handler for requests whose path starts with {@code pathPrefix}; longest prefix wins. */
    public TestBackend on(String pathPrefix, HttpHandler handler) {
        handlers.put(pathPrefix, handler);
        return this;
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            count.incrementAndGet();
            String path = exchange.getRequestURI().getRawPath();
            HttpHandler handler = null;
            int best = -1;
            for (Map.Entry<String, HttpHandler> e : handlers.entrySet()) {
                if (path.startsWith(e.getKey()) && e.getKey().length() > best) {
                    handler = e.getValue();
                    best = e.getKey().length();
                }
            }
            if (handler != null) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                        exchange.getRequestHeaders(), -1));
                handler.handle(exchange);
                return;
            }
            long bytes = drain(exchange.getRequestBody());
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(), bytes));
            reply(exchange, 200, name);
        }
    }

    /** Writes a small text reply carrying the backend's name. */
    public void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("X-Backend", name);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static long drain(InputStream in) throws IOException {
        long total = 0;
        byte[] buffer = new byte[65536];
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
        }
        return total;
    }

    public String name() {
        return name;
    }

    /** {@code http://host:port}, without a trailing slash. */
    public String url() {
        InetSocketAddress a = server.getAddress();
        return "http://" + a.getHostString() + ":" + a.getPort();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public int requestCount() {
        return count.get();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public Received lastReceived() {
        if (received.isEmpty()) {
            throw new AssertionError(name + " received no request");
        }
        return received.get(received.size() - 1);
    }

    /** Stops at once, closing its port: the next connection to it is refused. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
