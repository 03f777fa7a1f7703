package dev.affinity.it.jetty;

import dev.affinity.it.standalone.FileTree;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A fresh JETTY_BASE next to an unpacked JETTY_HOME, configured as Jetty's documentation tells an
 * operator to: {@code cd $JETTY_BASE && java -jar $JETTY_HOME/start.jar --add-modules=...}, which
 * writes {@code start.d/*.ini} and creates the directories the modules declare (webapps/,
 * lib/ee10/ext/ for ee10-ext). Besides, logs/ for the server's output and work/, which Jetty then
 * uses instead of java.io.tmpdir to unpack WARs.
 *
 * <p>A base is left in {@code target/jetty-bases/} after its test, logs included, to be read when a
 * test fails; the next run of that test starts from a fresh one.
 */
record JettyBase(Path home, Path base) {

    private static final long ADD_MODULES_SECONDS = 60;
    /** The JVM this test runs on, which Jetty runs on too. */
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    static JettyBase create(Path home, Path base, List<String> modules) {
        try {
            FileTree.deleteRecursively(base);
            for (String dir : List.of("logs", "work", "webapps")) {
                Files.createDirectories(base.resolve(dir));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("creating JETTY_BASE " + base, e);
        }
        JettyBase jettyBase = new JettyBase(home, base);
        jettyBase.addModules(modules);
        return jettyBase;
    }

    Path webapps() {
        return base.resolve("webapps");
    }

    /** The ee10 environment's own class path, put there by the ee10-ext module: every ee10 webapp sees it. */
    Path ee10Ext() {
        return base.resolve("lib/ee10/ext");
    }

    Path logs() {
        return base.resolve("logs");
    }

    /**
     * {@code java -jar $JETTY_HOME/start.jar} as an operator types it in $JETTY_BASE, with these
     * {@code -D} options and the one HTTP connector on 127.0.0.1 at this port. None of the modules the
     * tests enable asks for JVM options, so start.jar runs Jetty in this same JVM instead of forking
     * another, and the SIGTERM of {@link StandaloneJetty#close()} reaches Jetty itself.
     */
    List<String> startCommand(Map<String, String> systemProperties, int httpPort) {
        List<String> command = new ArrayList<>();
        command.add(JAVA);
        // The filter logs through java.util.logging, whose level names are localised; the assertions read English.
        command.add("-Duser.language=en");
        command.add("-Duser.country=US");
        systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(home.resolve("start.jar").toString());
        command.add("jetty.http.host=127.0.0.1");
        command.add("jetty.http.port=" + httpPort);
        return command;
    }

    private void addModules(List<String> modules) {
        Path output = logs().resolve("add-modules.out");
        List<String> command = List.of(JAVA, "-jar", home.resolve("start.jar").toString(),
                "--add-modules=" + String.join(",", modules));
        try {
            Process process = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(ADD_MODULES_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(ADD_MODULES_SECONDS, TimeUnit.SECONDS);
                throw new IllegalStateException(command + " did not finish within " + ADD_MODULES_SECONDS + " s; "
                        + "its output:\n" + FileTree.read(output));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " in " + base + " exited with status " + process.exitValue()
                        + " (expected: 0); its output:\n" + FileTree.read(output));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("running " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }
}
