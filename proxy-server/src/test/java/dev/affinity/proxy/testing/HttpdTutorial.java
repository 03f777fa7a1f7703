package dev.affinity.proxy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The balancer section of https://httpd.apache.org/docs/2.4/howto/reverse_proxy.html, verbatim
 * (LoadModule lines included), which the README promises runs unchanged: one copy for every test.
 */
public final class HttpdTutorial {

    private HttpdTutorial() {
    }

    /** The config text, members on 127.0.0.1:9001 and :9002. */
    public static String config() {
        try (InputStream in = HttpdTutorial.class.getResourceAsStream("/httpd-tutorial.conf")) {
            if (in == null) {
                throw new IllegalStateException("httpd-tutorial.conf is missing from the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
