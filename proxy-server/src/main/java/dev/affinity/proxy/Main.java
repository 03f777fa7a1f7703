package dev.affinity.proxy;

import dev.affinity.proxy.config.ConfigException;
import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ListenAddress;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.server.AffinityProxy;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar affinity-proxy.jar --config FILE [--listen HOST:PORT]}: runs the proxy an
 * httpd-style config file describes until SIGTERM or Ctrl-C. Exit codes: 2 for a bad config or
 * command line, 1 when it cannot start (e.g. the port is taken).
 */
@Command(name = "affinity-proxy", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A sticky-session reverse proxy that reads the <Proxy balancer://...> part of an httpd.conf.")
public final class Main implements Callable<Integer> {

    static final int CONFIG_ERROR = 2;
    static final int START_ERROR = 1;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "httpd-style configuration file (Listen, <Proxy balancer://...>, ProxyPass, ...)")
    private Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
            description = "address to listen on, instead of the config file's Listen directives")
    private String listen;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = new PrintWriter(System.err, true);
        ProxyConfig proxyConfig;
        try {
            proxyConfig = ConfigReader.read(config);
        } catch (ConfigException e) {
            err.println("affinity-proxy: " + e.getMessage());
            return CONFIG_ERROR;
        }
        if (listen != null) {
            try {
                proxyConfig = proxyConfig.withListen(List.of(ListenAddress.parse(listen)));
            } catch (IllegalArgumentException e) {
                err.println("affinity-proxy: --listen " + e.getMessage());
                return CONFIG_ERROR;
            }
        }
        if (proxyConfig.listen().isEmpty()) {
            err.println("affinity-proxy: " + config + ": no Listen directive (expected: Listen [HOST:]PORT, or --listen HOST:PORT)");
            return CONFIG_ERROR;
        }
        AffinityProxy proxy = new AffinityProxy(proxyConfig);
        // Registered before start, so a SIGTERM that arrives while starting still closes the proxy.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.close();
            } catch (Exception e) {
                err.println("affinity-proxy: error while stopping: " + e);
            }
        }, "affinity-shutdown"));
        try {
            proxy.start();
        } catch (Exception e) {
            err.println("affinity-proxy: cannot start on " + proxyConfig.listen() + ": " + reason(e));
            return START_ERROR;
        }
        proxy.join();
        return 0;
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return "address already in use or not available (" + t.getMessage() + ")";
            }
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The version the jar's manifest carries, or "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"affinity-proxy " + AffinityProxy.version(),
                    "Java " + System.getProperty("java.version")};
        }
    }
}
