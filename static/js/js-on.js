// Loaded in <head> before the page is drawn: tells the style sheet that scripts run (<html class="js">), so that
// on a narrow screen the navigation starts collapsed behind its menu button (static/js/nav.js opens it). Without
// JavaScript the class is missing and the navigation stays an open list.
document.documentElement.classList.add("js");
