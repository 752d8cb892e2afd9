#!/bin/bash
<#-- Portico server job for PBS Pro; resources are qsub arguments. Every [=...] value is shell-quoted. -->
# Portico server job [=spec.jobName] for [=spec.user]
<#include "server.sh.ftl">
