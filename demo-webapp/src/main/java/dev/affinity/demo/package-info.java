/**
 * Runnable demo that starts embedded Tomcat backends with the Affinity filter behind the Affinity proxy.
 */
package dev.affinity.demo;
