package dev.affinity.filter;

import dev.affinity.filter.core.scenarios.AppSpec;
import java.io.InputStream;

/**
 * A child JVM for {@link RouteFromEnvironmentTest}: the scenario application in Tomcat 11 with
 * nothing but this JVM's environment and system properties to find the route in. Prints
 * {@code LISTENING <uri>} once it serves, and stops when its standard input closes, so it cannot
 * outlive the test that started it.
 */
public final class ForkedTomcat {

    static final String LISTENING = "LISTENING ";

    private ForkedTomcat() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedTomcat tomcat = EmbeddedTomcat.start(AppSpec.noRoute())) {
            System.out.println(LISTENING + tomcat.uri());
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        }
        System.exit(0);
    }
}
