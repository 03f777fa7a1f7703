package dev.affinity.it.cluster;

import static io.restassured.RestAssured.given;

import io.restassured.config.HttpClientConfig;
import io.restassured.config.RedirectConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One browser-like client of the cluster: it keeps the cookies it is given (BALANCEID, JSESSIONID)
 * and sends them back, follows no redirect, and waits at most 10 s for anything.
 */
final class Client {

    private static final int TIMEOUT_MILLIS = 10_000;
    private static final RestAssuredConfig CONFIG = RestAssuredConfig.config()
            .redirect(RedirectConfig.redirectConfig().followRedirects(false))
            .httpClient(HttpClientConfig.httpClientConfig()
                    .setParam("http.connection.timeout", TIMEOUT_MILLIS)
                    .setParam("http.socket.timeout", TIMEOUT_MILLIS));

    private final URI proxy;
    private final Map<String, String> cookies = new LinkedHashMap<>();

    Client(URI proxy) {
        this.proxy = proxy;
    }

    RequestSpecification request() {
        return given().config(CONFIG).baseUri(proxy.toString()).cookies(cookies);
    }

    /** GET, keeping whatever cookies the response sets. */
    Response get(String path) {
        return keep(request().get(path));
    }

    Response post(String path, Map<String, String> form) {
        return keep(request().formParams(form).post(path));
    }

    Response keep(Response response) {
        cookies.putAll(response.getCookies());
        return response;
    }

    String cookie(String name) {
        return cookies.get(name);
    }
}
