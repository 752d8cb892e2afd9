#!/bin/bash
<#-- Portico server job for Slurm. Resources (partition, cores, time, ...) are sbatch arguments, not
     directives. A site override may add fixed "#SBATCH" lines right below the first line. Every [=...]
     value is shell-quoted (see JobScriptRenderer). -->
# Portico server job [=spec.jobName] for [=spec.user]
<#include "server.sh.ftl">
