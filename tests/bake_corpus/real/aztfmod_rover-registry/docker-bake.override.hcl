# Base image tools version
extensionsAzureCli="resource-graph"
versionDockerCompose="2.30.3"
versionGolang="1.23.3"
versionKubectl="1.31.2"
versionKubelogin="0.1.4"
versionPacker="1.11.2"
versionPowershell="7.4.6"
versionTerraformDocs="0.16.0"
versionVault="1.18.1"
versionAnsible="2.18.0"
versionTerrascan="1.19.9"
versionTfupdate="0.8.5"

# Agents versions
USERNAME="vscode"
versionAzdo="3.246.0"
versionGithubRunner="2.320.0"
versionGitlab="17.5.3"
versionTfc="1.17.0"

