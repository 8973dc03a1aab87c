/* The inline part of iframe-worker's shim as a file of its own (written by this project, same
   behaviour): under script-src 'self' an inline script written into the worker's iframe would be
   blocked. macros/selfcontained.py makes the shim load this instead. It removes its own element:
   Material's search worker finds its own URL as the first script[src] of the iframe. */
"use strict";(function(){var s=document.currentScript,url=s.getAttribute("data-worker");s.remove();window.postMessage=function(s,n){parent.postMessage(s,n||"*")};window.importScripts=function(){return[].slice.call(arguments).reduce(function(p,u){return p.then(function(){return new Promise(function(r){var t=document.createElement("script");t.src=u,t.onload=r,document.body.appendChild(t)})})},Promise.resolve())};addEventListener("error",function(ev){parent.dispatchEvent(new ErrorEvent("error",{filename:url,error:ev.error}))})})();
