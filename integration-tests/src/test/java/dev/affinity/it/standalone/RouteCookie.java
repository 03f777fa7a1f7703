package dev.affinity.it.standalone;

import java.net.http.HttpResponse;
import java.util.List;

/** The cookie contract of docs/stickiness.md, as a client of the backend sees it. */
public final class RouteCookie {

    private RouteCookie() {
    }

    /** The exact Set-Cookie value a node with this route sends to a client over plain HTTP. */
    public static String setCookieFor(String route) {
        return "BALANCEID=balancer." + route + "; Path=/; HttpOnly; SameSite=Lax";
    }

    /** The Cookie header of a client the proxy pinned to this route. */
    public static String pinnedTo(String route) {
        return "BALANCEID=balancer." + route;
    }

    /** The response's Set-Cookie values for BALANCEID, in order; other cookies are not ours to judge. */
    public static List<String> issued(HttpResponse<?> response) {
        return response.headers().allValues("Set-Cookie").stream()
                .filter(value -> value.startsWith("BALANCEID="))
                .toList();
    }
}
