/**
 * Servlet filter that backend applications install to take part in Affinity's session-affinity routing.
 */
package dev.affinity.filter;
