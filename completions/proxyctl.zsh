#compdef proxyctl

_proxyctl_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _PROXYCTL_COMPLETE=complete_zsh proxyctl)
}

if [[ ${funcstack[1]-} == _proxyctl ]]; then
  _proxyctl_completion "$@"
else
  compdef _proxyctl_completion proxyctl
fi
