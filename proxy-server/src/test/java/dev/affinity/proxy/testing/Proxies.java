package dev.affinity.proxy.testing;

import dev.affinity.proxy.config.ConfigReader;
import dev.affinity.proxy.config.ListenAddress;
import dev.affinity.proxy.config.ProxyConfig;
import dev.affinity.proxy.server.AffinityProxy;
import java.util.List;

/** Starts a proxy from httpd-style config text, as a user's file would, on a free loopback port. */
public final class Proxies {

    private Proxies() {
    }

    public static AffinityProxy start(String configText) throws Exception {
        ProxyConfig config = ConfigReader.parse("test.conf", configText)
                .withListen(List.of(new ListenAddress("127.0.0.1", 0)));
        return AffinityProxy.start(config);
    }

    /** A balancer section with the given members (URL and route pairs), sticky on BALANCEID. */
    public static String cluster(String extraProxySet, TestBackend... members) {
        StringBuilder s = new StringBuilder("<Proxy balancer://mycluster>\n");
        for (TestBackend m : members) {
            s.append("    BalancerMember ").append(m.url()).append(" route=").append(m.name()).append('\n');
        }
        s.append("    ProxySet stickysession=BALANCEID ").append(extraProxySet).append('\n');
        s.append("</Proxy>\n");
        s.append("ProxyPassMatch ^(/.*)$ balancer://mycluster$1\n");
        return s.toString();
    }
}
