package dev.affinity.demo.app;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * The facts one request shows: which node served it, its session and visit count, and the
 * BALANCEID the browser sent. Counting a visit is the only thing the demo's session holds.
 *
 * @param node      the node's route
 * @param sessionId the HttpSession id
 * @param visits    visits in this session, this one included
 * @param balanceId the BALANCEID cookie the request carried, or null
 * @param user      the logged-in user, or null
 */
record Visit(String node, String sessionId, int visits, String balanceId, String user) {

    static final String VISITS = "affinity.demo.visits";
    static final String USER = "affinity.demo.user";

    /** Counts this request as a visit in its session, creating the session on the first. */
    static Visit count(HttpServletRequest request, String node) {
        return of(request, node, 1);
    }

    /** The facts without counting a visit; the session is created if it does not exist yet. */
    static Visit look(HttpServletRequest request, String node) {
        return of(request, node, 0);
    }

    private static Visit of(HttpServletRequest request, String node, int add) {
        HttpSession session = request.getSession(true);
        Integer before = (Integer) session.getAttribute(VISITS);
        int visits = (before == null ? 0 : before) + add;
        // An immutable value set each time, so that a replicating session manager sees every change.
        session.setAttribute(VISITS, visits);
        return new Visit(node, session.getId(), visits, balanceId(request), (String) session.getAttribute(USER));
    }

    static String balanceId(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (c.getName().equals("BALANCEID")) {
                    return c.getValue();
                }
            }
        }
        return null;
    }

    String json() {
        return "{\"node\":" + Page.json(node) + ",\"sessionId\":" + Page.json(sessionId) + ",\"visits\":" + visits
                + ",\"balanceId\":" + Page.json(balanceId) + ",\"user\":" + Page.json(user) + "}";
    }
}
